FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=smc.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Static files need no secret: collected with the development settings (same storage).
RUN DJANGO_SETTINGS_MODULE=smc.settings python manage.py collectstatic --noinput
RUN useradd --create-home smc && mkdir /metrics && chown smc /metrics
USER smc
EXPOSE 8000
ENV SMC_BIND=0.0.0.0:8000
CMD ["gunicorn", "-c", "python:smc.gunicorn_conf", "smc.wsgi:application"]
