FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=smc.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=build CREDENTIALS_KEY=build python manage.py collectstatic --noinput
RUN useradd --create-home smc
USER smc
EXPOSE 8000
CMD ["gunicorn", "smc.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
