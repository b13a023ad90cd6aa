"""Route handlers, one module per feature. Thin: parse, call a service, render."""
