"""Cordial destination: the shared code every action function uses."""
