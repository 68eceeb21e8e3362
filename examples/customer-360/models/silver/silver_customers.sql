{{ config(materialized='table') }}

-- Cleaned customers: trimmed, lower-cased emails and full names.
select
    customer_id,
    first_name || ' ' || last_name as full_name,
    lower(trim(email)) as email,
    country,
    cast(signup_date as date) as signup_date
from {{ ref('bronze_customers') }}
