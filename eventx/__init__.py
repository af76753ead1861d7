"""eventx: conflict events from news as ACLED-style records."""
