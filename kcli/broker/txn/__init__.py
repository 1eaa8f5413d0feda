"""The transaction coordinator (KIP-98, KIP-447): state machine, ``__transaction_state`` store, asyncio service."""
