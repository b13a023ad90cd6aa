"""Framework-free services: the app's logic, called from routes, the dispatcher and the CLI."""
