"""DynamoDB adapters over the single table: one codec, one schema, one store per concern.

- `codec`: attribute values and API cursors, shared by every store;
- `schema`: the table's keys and indexes (CreateTable arguments; the CDK construct matches it);
- `table`: what the stores share (client, keys, TTL, clock, request counts);
- `segment_writer`: the transactional segment writer;
- `calls`: call-record lifecycle updates;
- `call_queries`: the reads of calls and transcripts (read-only; what the API is wired with);
- `transcripts`: `DynamoTranscriptStore`, the writer, lifecycle and reads together;
- `summary_reads`: reads of summary versions (read-only);
- `summaries`: versioned summaries and the call record's summary pointers;
- `deliveries`: CRM delivery records.
"""
