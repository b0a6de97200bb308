"""The ``lakegate`` command: request access, follow requests, and decide them as a data owner.

It works against AWS (``--profile`` / ``--region``, as the AWS CLI does) or the sandbox
(``--endpoint-url`` or ``LAKEGATE_ENDPOINT_URL``), and finds the central resources through the SSM
parameter the central stack writes (``manifest.CENTRAL_SETTINGS_PARAMETER``).
"""
