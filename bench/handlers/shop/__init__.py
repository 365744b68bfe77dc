"""A small shop backend: durable handlers whose steps call AWS, HTTP APIs and shared modules."""
