select
    transaction_id,
    customer_id,
    amount,
    currency,
    status,
    transacted_at
from {{ ref('raw_transactions') }}
