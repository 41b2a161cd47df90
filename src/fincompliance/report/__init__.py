"""Reporters: each reads a scan result (graph, findings) and renders one output format."""
