"""One plain function per use case; storage, queues, the clock and progress callbacks are passed in."""
