"""The quick resources' fixtures (the tiny VLM) live in the suite's conftest, shared by all."""
