"""Test support: a real uvicorn server per test module, a movable clock, databases."""
