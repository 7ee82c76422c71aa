"""gunicorn reads this file when started in the source folder (`gunicorn wsgi:app`); options given on the command
line win over it."""

# The xAPI state and activity-profile resources take IRIs and document ids of up to 2,048 bytes in the query
# string (app/xapi/validation.py, MAX_IRI_BYTES); gunicorn's default request line (4,094 bytes) refused such a
# request with an HTML 414 before the app could answer. 8,190 is the most gunicorn allows without lifting the
# limit altogether; a longer request must use the xAPI alternate request syntax (a POST carrying the parameters).
limit_request_line = 8190

# A preview of the largest workbook the import takes (a million cells) reads for about 20 s on a small server:
# gunicorn's default of 30 s leaves little room.
timeout = 60
