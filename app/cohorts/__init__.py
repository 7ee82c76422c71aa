"""Cohorts: named groups of people of one country, assigned itineraries together."""
