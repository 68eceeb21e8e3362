-- Raw customers as loaded: one row per customer record from the CRM export.
select
    customer_id,
    first_name,
    last_name,
    email,
    country,
    signup_date
from {{ ref('raw_customers') }}
