"""Renderers: they take analysis results and show them (text, JSON, HTML); they never compute."""
