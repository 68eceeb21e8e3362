select
    ticket_id,
    customer_id,
    priority,
    status,
    opened_at,
    closed_at
from {{ ref('raw_support_tickets') }}
