-- The local ping journal (alerter/journal.h): each node's loaded
-- position lives in hcd_ring (ring -2, the journal's id in "segment"),
-- stored in the transaction that loads the pings.  hcd_node holds each
-- node's watermark: every ping the node received before it is loaded.
-- The deadline pass declares a check down at T only when T is below
-- every live node's watermark; a node whose row was not refreshed for
-- NODE_TIMEOUT seconds is not waited for.
CREATE TABLE hcd_node (
    node      text PRIMARY KEY,
    watermark timestamptz NOT NULL,
    seen      timestamptz NOT NULL DEFAULT now()
);
