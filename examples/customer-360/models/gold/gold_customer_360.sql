{{ config(materialized='table') }}

-- One row per customer: lifetime value, activity and support history. Served as gold.customer_360.customers.
with spend as (
    select
        customer_id,
        count(*) filter (where status = 'completed') as completed_transactions,
        coalesce(sum(amount_gbp) filter (where status = 'completed'), 0) as lifetime_value_gbp,
        max(transacted_at) as last_transaction_at
    from {{ ref('silver_transactions') }}
    group by customer_id
),
support as (
    select
        customer_id,
        count(*) as tickets,
        count(*) filter (where status = 'open') as open_tickets
    from {{ ref('silver_support_tickets') }}
    group by customer_id
)
select
    c.customer_id,
    c.full_name,
    c.email,
    c.country,
    c.signup_date,
    coalesce(s.completed_transactions, 0) as completed_transactions,
    coalesce(s.lifetime_value_gbp, 0) as lifetime_value_gbp,
    s.last_transaction_at,
    coalesce(t.tickets, 0) as support_tickets,
    coalesce(t.open_tickets, 0) as open_support_tickets,
    case
        when coalesce(s.lifetime_value_gbp, 0) >= 1000 then 'high'
        when coalesce(s.lifetime_value_gbp, 0) >= 250 then 'medium'
        else 'low'
    end as value_segment,
    greatest(c.signup_date, cast(s.last_transaction_at as date)) as updated_at
from {{ ref('silver_customers') }} c
left join spend s on s.customer_id = c.customer_id
left join support t on t.customer_id = c.customer_id
