"""The HTTP + WebSocket surface of the floor server. Thin: every decision lives in floor/."""
