"""Thin AWS Lambda handlers: configuration in, one library call, response out."""
