"""What every lakegate web page shares: escaping, the document, the stylesheet, the response headers."""
