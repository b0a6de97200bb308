"""The lakegate sandbox: the whole mesh on one machine, served on local ports.

moto serves the AWS API (with real state machine execution); the functions run in-process from
``lambdas/``; the state machine is the ASL file in ``statemachine/``. A small web server turns
browser requests into the API Gateway events the decision function receives in AWS, and lists
every message published to the approval and notification topics. State lives in memory.
"""
