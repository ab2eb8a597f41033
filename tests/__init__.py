"""The test suite: fixtures in conftest.py, what tests make in factories.py, the test app's
settings in settings.py, the real servers in services.py."""
