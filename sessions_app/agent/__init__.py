"""The per-session agent: the turn runner, the providers (builtin, anthropic, openai)."""
