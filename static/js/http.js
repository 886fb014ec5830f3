// JSON over fetch with the CSRF token Django expects on every POST.

function csrfToken() {
  const fromCookie = document.cookie
    .split("; ")
    .find((part) => part.startsWith("csrftoken="));
  if (fromCookie) return decodeURIComponent(fromCookie.split("=")[1]);
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    return { status: 0, body: { error: { code: "network_error", message: String(error) } } };
  }
  let parsed = {};
  try {
    parsed = await response.json();
  } catch {
    parsed = { error: { code: "bad_response", message: `HTTP ${response.status}` } };
  }
  return { status: response.status, body: parsed };
}

export const getJson = (url) => request("GET", url);
export const postJson = (url, body = {}) => request("POST", url, body);
