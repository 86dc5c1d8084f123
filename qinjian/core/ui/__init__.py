"""Shared page machinery (list, detail, form, action views and a light table). See README.md."""
