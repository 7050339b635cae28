"""Open311 GeoReport v2 (/open311/v2/): the city's messages as civic service requests."""
