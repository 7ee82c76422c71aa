"""Bulk import of trainees from CSV and XLSX files: preview first, then all rows or none."""
