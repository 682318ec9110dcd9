"""gunicorn's settings for Interplay, read from the working directory at start.

Only the access log's format is set here: whether there is an access log is the
operator's choice (``--access-logfile -``). The format leaves out the query string
(``%(U)s`` is the path alone; ``%(r)s`` and ``%(q)s`` would carry search terms and
filters), the Referer (it holds the previous page's query string) and the user agent,
and ends with the request id that the audit trail records. See README.md, "Logs".
"""

access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
