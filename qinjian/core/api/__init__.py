"""Shared API machinery: base viewsets, permissions, error shape, pagination, schema.

See :mod:`qinjian.core.api.viewsets` for how an app declares its endpoints.
"""
