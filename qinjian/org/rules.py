"""Alert rules of the org module (registered with the alert center)."""
