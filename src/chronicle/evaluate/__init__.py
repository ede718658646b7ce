"""Measurements of Chronicle against public gold sets (read from ../shared/eval, never copied)."""
