{{ config(materialized='incremental', unique_key='transaction_id', on_schema_change='append_new_columns') }}

-- Transactions in GBP. Incremental: each run merges the transactions at or after the newest one already loaded.
{% set rates = {'GBP': 1.0, 'EUR': 0.86, 'USD': 0.79} %}
select
    transaction_id,
    customer_id,
    round(case currency
        {%- for code, rate in rates.items() %}
        when '{{ code }}' then amount * {{ rate }}
        {%- endfor %}
    end, 2) as amount_gbp,
    status,
    cast(transacted_at as timestamp) as transacted_at
from {{ ref('bronze_transactions') }}
{% if is_incremental() %}
where cast(transacted_at as timestamp) >= (select max(transacted_at) from {{ this }})
{% endif %}
