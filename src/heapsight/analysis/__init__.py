"""What one snapshot, or several, means. Results are plain dataclasses with to_json()."""
