select payment_id, amount, email as customer_email from {{ ref('stg_payments') }}
