"""Database: Piccolo tables, the engine built from settings, and the migrations."""
