"""AllianceGraph."""
