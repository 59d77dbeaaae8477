"""The navigator console: server-rendered pages for care teams, and the simulator page."""
