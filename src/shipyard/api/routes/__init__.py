"""Route modules of the control-plane API, one per capability."""
