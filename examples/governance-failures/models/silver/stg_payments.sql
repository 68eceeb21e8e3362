-- Breaks medallion naming: a silver model must start with silver_.
select payment_id, email, card_number, amount from {{ ref('bronze_payments') }}
