"""Builders of real event shapes, AWS helpers and template reading shared by every test level."""
