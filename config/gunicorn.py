"""gunicorn settings (`--config python:config.gunicorn`): an access log without query strings or referrers.

A query string can hold a participant's link token or a search term, and a Referer can repeat another page's; the
log keeps the method, the path, the status, the size and the time taken.
"""

accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
