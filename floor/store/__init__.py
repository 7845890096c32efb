"""The only code that talks to Redis: key names, Lua scripts and one wrapper per script."""
