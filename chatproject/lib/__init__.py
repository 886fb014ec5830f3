"""The shared leaf: code every part of the project may use, which imports none of them.

The apps, the MCP servers and the composition root (chatproject's settings, urls, asgi and
launcher) import from here; nothing here imports an app (pyproject.toml's import contract).
"""
