"""What arrives from outside, parsed and validated: booking events from SQS/SNS, ledger changes
from DynamoDB Streams, requests from API Gateway, and the partial-batch responses going back."""
