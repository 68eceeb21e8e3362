{{ config(materialized='table') }}

select
    ticket_id,
    customer_id,
    priority,
    status,
    cast(opened_at as timestamp) as opened_at,
    cast(closed_at as timestamp) as closed_at
from {{ ref('bronze_support_tickets') }}
