-- Singular test: a customer's lifetime value is never negative.
select customer_id, lifetime_value_gbp
from {{ ref('gold_customer_360') }}
where lifetime_value_gbp < 0
