-- mart: satisfaction_repeat, per channel and score of the reviewed order
select channel, score, reviews, customers, reviews_followed_by_purchase, repeat_customers, repeat_rate, avg_days_to_next_purchase
from satisfaction_repeat
order by channel, score
