"""reportlab documents built from data the caller has already translated and formatted."""
