"""Tether: check-in and care-navigation bot for outpatient behavioral-health programs."""

__version__ = "0.1.0"
