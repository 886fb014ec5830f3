// "Keep these chats in your account?" (templates/accounts/adopt_prompt.html): the answer
// carries this tab's chat, so that the page reopens it once kept. Loaded before chat.js: until
// the answer, the tab's chat is not the account's, and chat.js would call it "not found";
// taken out of the tab's storage, chat.js starts a new one meanwhile.
const SESSION_KEY = "evmchat.session"; // chat.js keeps the tab's chat id under this key

const form = document.querySelector("#adopt-prompt form");
const current = sessionStorage.getItem(SESSION_KEY);
if (form && current) {
  form.elements.namedItem("session").value = current;
  sessionStorage.removeItem(SESSION_KEY);
}
