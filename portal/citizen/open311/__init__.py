"""The Open311 GeoReport v2 server of the portal (https://wiki.open311.org/GeoReport_v2).

Core v2 exactly (discovery, services, service definitions, POST and GET requests, tokens)
in XML and JSON, plus two widely used extensions: page/page_size on GET requests and a
multipart `media` upload on POST. Only reports that came in through a public channel are
served, never a hidden one, and never anything that identifies the reporter.
"""
